// root: includes no room
#pragma once
